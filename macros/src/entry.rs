//! The expansion shared by `#[main]` and `#[test]`: check the function, then wrap its body.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, ReturnType, Signature, Visibility};

use crate::args::Args;

/// Which attribute is expanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "ampere_reactor::main",
            Kind::Test => "ampere_reactor::test",
        }
    }
}

/// The annotated function. Its body stays unparsed tokens: the attribute never looks inside,
/// and a syntax error in the body is reported by rustc as if there were no attribute.
struct Function {
    attrs: Vec<Attribute>,
    vis: Visibility,
    sig: Signature,
    body: TokenTree,
}

impl Parse for Function {
    fn parse(input: ParseStream<'_>) -> syn::Result<Function> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body: TokenTree = input.parse()?;
        match &body {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => Ok(Function { attrs, vis, sig, body }),
            other => Err(syn::Error::new(other.span(), "expected the function's body")),
        }
    }
}

/// Expands the attribute `kind` with arguments `args` on `item`. On misuse, returns the error
/// followed by the item unchanged, so the user sees that one error and not a cascade of
/// "`main` function not found" ones.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(kind, args, item.clone()) {
        Ok(tokens) => tokens,
        Err(e) => {
            let error = e.to_compile_error();
            quote!(#error #item)
        }
    }
}

fn try_expand(kind: Kind, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args = Args::parse(args, kind.name())?;
    if let (Kind::Main, Some(span)) = (kind, args.paused) {
        // A program on a virtual clock would skip its own waits: a test-only tool.
        return Err(syn::Error::new(span, "`paused` (virtual time) is for tests: use #[ampere_reactor::test(paused)]"));
    }
    let f: Function = syn::parse2(item)?;
    check(kind, &f)?;
    Ok(generate(kind, &args, f))
}

/// Rejects what a plain `fn` of the same name could not do; each error points at its tokens.
fn check(kind: Kind, f: &Function) -> syn::Result<()> {
    let name = kind.name();
    let sig = &f.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(sig.fn_token.span, format!("#[{name}] needs an `async fn`")));
    }
    if let Some(c) = &sig.constness {
        return Err(syn::Error::new(c.span, format!("#[{name}] cannot run a `const fn`")));
    }
    if !matches!(sig.safety, syn::Safety::Default) || sig.abi.is_some() {
        let span = sig.abi.as_ref().map_or_else(|| sig.safety.span(), |a| a.span());
        return Err(syn::Error::new(span, format!("#[{name}] needs a safe Rust `async fn`")));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new_spanned(&sig.generics, format!("#[{name}] cannot run a generic function")));
    }
    if !sig.inputs.is_empty() || sig.variadic.is_some() {
        let what = match kind {
            Kind::Main => "`main`",
            Kind::Test => "a test",
        };
        return Err(syn::Error::new_spanned(&sig.inputs, format!("{what} takes no arguments")));
    }
    if kind == Kind::Test {
        if let Some(attr) = f.attrs.iter().find(|a| a.path().segments.last().is_some_and(|s| s.ident == "test")) {
            return Err(syn::Error::new_spanned(attr, format!("#[{name}] adds `#[test]` itself: remove this one")));
        }
    }
    Ok(())
}

/// `fn name() -> R { async fn body() -> R { ... } <run body() on a new reactor> }`.
///
/// The body becomes an `async fn` of the same signature, not an `async` block: `return` and
/// `?` in it then have the declared return type to infer from, exactly as without the
/// attribute.
fn generate(kind: Kind, args: &Args, f: Function) -> TokenStream {
    let Function { attrs, vis, mut sig, body } = f;
    let krate = &args.krate;
    let name = kind.name();
    let inner = syn::Ident::new("__ampere_body", Span::mixed_site());
    let mut inner_sig = sig.clone();
    inner_sig.ident = inner.clone();
    sig.asyncness = None;

    let on_reactor_error = match &sig.output {
        // `()`: nowhere to return the error, so fail loudly and name it.
        ReturnType::Default => quote! {
            ::core::panic!("#[{}]: the reactor failed: {}", #name, error)
        },
        // `Result<T, E>`: one `Result` out of two. Spanned on the return type, so that a type
        // which is not a `Result` or has no `From<Error>` is reported there. With
        // `E = ampere_reactor::Error` the conversion is the identity: not the user's doing.
        ReturnType::Type(_, ty) => quote_spanned! {ty.span()=> {
            #[allow(clippy::useless_conversion)]
            let error = ::core::convert::From::from(error);
            ::core::result::Result::Err(error)
        }},
    };
    let test_attr = match kind {
        // The full path: the user may have imported `ampere_reactor::test` as `test`.
        Kind::Test => quote!(#[::core::prelude::v1::test]),
        Kind::Main => TokenStream::new(),
    };
    let body = body.into_token_stream();
    let new_reactor = match args.paused {
        Some(_) => quote!(#krate::Reactor::builder().paused().build()),
        None => quote!(#krate::Reactor::new()),
    };
    quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            #inner_sig #body
            let outcome = #new_reactor.and_then(|reactor| reactor.block_on(#inner()));
            match outcome {
                ::core::result::Result::Ok(output) => output,
                ::core::result::Result::Err(error) => #on_reactor_error,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        expand(kind, args, item).to_string()
    }

    #[test]
    fn main_becomes_a_plain_fn_that_blocks_on_the_body() {
        let out = expanded(
            Kind::Main,
            quote!(),
            quote!(
                async fn main() {
                    work().await;
                }
            ),
        );
        assert!(out.starts_with("fn main ()"), "{out}");
        assert!(out.contains("async fn __ampere_body () { work () . await ; }"), "{out}");
        assert!(out.contains(":: ampere_reactor :: Reactor :: new ()"), "{out}");
        assert!(out.contains("panic !"), "{out}");
        assert!(!out.contains("test"), "{out}");
    }

    #[test]
    fn a_result_main_returns_the_reactor_error_converted() {
        let out = expanded(
            Kind::Main,
            quote!(),
            quote!(
                pub async fn main() -> Result<(), E> {
                    Ok(())
                }
            ),
        );
        assert!(out.starts_with("pub fn main () -> Result < () , E >"), "{out}");
        assert!(out.contains("let error = :: core :: convert :: From :: from (error) ;"), "{out}");
        assert!(!out.contains("panic !"), "{out}");
    }

    #[test]
    fn test_adds_the_builtin_test_attribute_and_keeps_the_others() {
        let out = expanded(
            Kind::Test,
            quote!(crate = "ampere"),
            quote!(
                #[ignore]
                async fn t() {}
            ),
        );
        assert!(out.starts_with("# [:: core :: prelude :: v1 :: test] # [ignore] fn t ()"), "{out}");
        assert!(out.contains("ampere :: Reactor :: new ()"), "{out}");
        assert!(!out.contains(":: ampere_reactor"), "{out}");
    }

    #[test]
    fn a_paused_test_builds_a_reactor_on_a_paused_clock() {
        let out = expanded(
            Kind::Test,
            quote!(paused),
            quote!(
                async fn t() {}
            ),
        );
        assert!(out.contains(":: ampere_reactor :: Reactor :: builder () . paused () . build ()"), "{out}");
        assert!(!out.contains("Reactor :: new ()"), "{out}");
    }

    #[test]
    fn main_refuses_paused() {
        let out = expanded(
            Kind::Main,
            quote!(paused),
            quote!(
                async fn main() {}
            ),
        );
        assert!(out.starts_with(":: core :: compile_error !"), "{out}");
        assert!(out.contains("is for tests"), "{out}");
    }

    #[test]
    fn misuse_is_a_compile_error_followed_by_the_item_unchanged() {
        let cases = [
            (
                Kind::Main,
                quote!(
                    fn main() {}
                ),
                "needs an `async fn`",
            ),
            (
                Kind::Main,
                quote!(
                    async fn main(n: u8) {}
                ),
                "`main` takes no arguments",
            ),
            (
                Kind::Test,
                quote!(
                    async fn t(n: u8) {}
                ),
                "a test takes no arguments",
            ),
            (
                Kind::Main,
                quote!(
                    async fn main<T>() {}
                ),
                "generic",
            ),
            (
                Kind::Main,
                quote!(
                    async unsafe fn main() {}
                ),
                "safe Rust",
            ),
            (
                Kind::Test,
                quote!(
                    #[test]
                    async fn t() {}
                ),
                "adds `#[test]` itself",
            ),
            (
                Kind::Main,
                quote!(
                    struct S;
                ),
                "expected",
            ),
        ];
        for (kind, item, message) in cases {
            let out = expanded(kind, quote!(), item.clone());
            assert!(out.starts_with(":: core :: compile_error !"), "{out}");
            assert!(out.contains(message), "{message}: {out}");
            assert!(out.ends_with(&item.to_string()), "{out}");
        }
    }
}
