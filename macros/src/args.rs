//! The attribute's arguments: `crate = "path"`, nothing else.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;

/// What the attribute's arguments asked for.
#[derive(Debug)]
pub(crate) struct Args {
    /// The path of the reactor crate in the generated code: `::ampere_reactor` unless
    /// `crate = "..."` says otherwise (a renamed dependency, a re-export).
    pub(crate) krate: TokenStream,
}

impl Args {
    /// Parses `args` (the tokens between the attribute's parentheses). `name` is the
    /// attribute as the user knows it, for the messages.
    pub(crate) fn parse(args: TokenStream, name: &str) -> syn::Result<Args> {
        let mut krate: Option<syn::Path> = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("crate") {
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
                // Virtual time (`paused`) does not exist yet: say what does, not "unsupported".
                let found = meta.path.get_ident().map_or_else(|| "this".to_owned(), |i| format!("`{i}`"));
                Err(meta.error(format!("#[{name}] does not take {found}; its only argument is `crate = \"path\"`")))
            }
        });
        parser.parse2(args)?;
        Ok(Args { krate: krate.map_or_else(|| quote!(::ampere_reactor), |p| quote!(#p)) })
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
    fn unknown_arguments_are_errors_that_name_them() {
        let err = Args::parse(quote!(paused), "ampere_reactor::test").unwrap_err();
        assert!(err.to_string().contains("does not take `paused`"), "{err}");
        let err = Args::parse(quote!(crate = "a", crate = "b"), "ampere_reactor::test").unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        let err = Args::parse(quote!(crate = "not a path"), "ampere_reactor::test").unwrap_err();
        assert!(err.to_string().contains("takes a path"), "{err}");
    }
}
