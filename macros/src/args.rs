//! The attribute's arguments: `crate = "path"` and `paused`, nothing else.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;

/// What the attribute's arguments asked for.
#[derive(Debug)]
pub(crate) struct Args {
    /// The path of the reactor crate in the generated code: `::ampere_reactor` unless
    /// `crate = "..."` says otherwise (a renamed dependency, a re-export).
    pub(crate) krate: TokenStream,
    /// `paused`: the reactor runs on a paused (virtual) clock, `Reactor::builder().paused()`.
    /// Its span, for the error when the attribute does not take it.
    pub(crate) paused: Option<proc_macro2::Span>,
}

impl Args {
    /// Parses `args` (the tokens between the attribute's parentheses). `name` is the
    /// attribute as the user knows it, for the messages.
    pub(crate) fn parse(args: TokenStream, name: &str) -> syn::Result<Args> {
        let mut krate: Option<syn::Path> = None;
        let mut paused = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("paused") {
                if paused.is_some() {
                    return Err(meta.error("`paused` is given twice"));
                }
                if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                    return Err(meta.error("`paused` takes no value"));
                }
                paused = Some(syn::spanned::Spanned::span(&meta.path));
                Ok(())
            } else if meta.path.is_ident("crate") {
                if krate.is_some() {
                    return Err(meta.error("`crate` is given twice"));
                }
                let lit: syn::LitStr = meta.value()?.parse()?;
                krate = Some(lit.parse().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        format!("`crate` takes a path, e.g. `crate = \"ampere\"`; found {:?}", lit.value()),
                    )
                })?);
                Ok(())
            } else {
                // Say what does exist, not just "unsupported".
                let found = meta.path.get_ident().map_or_else(|| "this".to_owned(), |i| format!("`{i}`"));
                Err(meta.error(format!(
                    "#[{name}] does not take {found}; its arguments are `crate = \"path\"` and `paused`"
                )))
            }
        });
        parser.parse2(args)?;
        Ok(Args { krate: krate.map_or_else(|| quote!(::ampere_reactor), |p| quote!(#p)), paused })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arguments_name_the_reactor_crate_by_its_absolute_path() {
        let args = Args::parse(TokenStream::new(), "ampere_reactor::main").unwrap();
        assert_eq!(args.krate.to_string(), quote!(::ampere_reactor).to_string());
    }

    #[test]
    fn crate_argument_replaces_the_path() {
        let args = Args::parse(quote!(crate = "my::ampere"), "ampere_reactor::main").unwrap();
        assert_eq!(args.krate.to_string(), quote!(my::ampere).to_string());
    }

    #[test]
    fn paused_is_a_flag_beside_crate() {
        let args = Args::parse(quote!(paused), "ampere_reactor::test").unwrap();
        assert!(args.paused.is_some());
        let args = Args::parse(quote!(crate = "my::ampere", paused), "ampere_reactor::test").unwrap();
        assert!(args.paused.is_some());
        assert_eq!(args.krate.to_string(), quote!(my::ampere).to_string());
        assert!(Args::parse(quote!(), "ampere_reactor::test").unwrap().paused.is_none());
        let err = Args::parse(quote!(paused, paused), "ampere_reactor::test").unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        let err = Args::parse(quote!(paused = true), "ampere_reactor::test").unwrap_err();
        assert!(err.to_string().contains("takes no value"), "{err}");
    }

    #[test]
    fn unknown_arguments_are_errors_that_name_them() {
        let err = Args::parse(quote!(flavor), "ampere_reactor::test").unwrap_err();
        assert!(err.to_string().contains("does not take `flavor`"), "{err}");
        let err = Args::parse(quote!(crate = "a", crate = "b"), "ampere_reactor::test").unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        let err = Args::parse(quote!(crate = "not a path"), "ampere_reactor::test").unwrap_err();
        assert!(err.to_string().contains("takes a path"), "{err}");
    }
}
