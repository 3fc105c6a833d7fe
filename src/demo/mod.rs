//! The bundled sample shop ("Atelier Lumière"), served on loopback by `cxaudit audit --demo` so that the tool can be
//! tried, and its README command run, with no network. Hand-written, modelled on small French shops: a phone in
//! the header (missing on one page), a footer with the legal links, a windows-1252 CGV page, a robots.txt that
//! disallows the cart, a sitemap with an orphan page, an old URL that redirects and a dead link.

use std::sync::Arc;

use bytes::Bytes;

use crate::serve::{self, Reply, Responder};

const FILES: &[(&str, &[u8])] = &[
    (
        "/boutique/index.html",
        include_bytes!("shop/boutique/index.html"),
    ),
    ("/cgv/index.html", include_bytes!("shop/cgv/index.html")),
    (
        "/contact/index.html",
        include_bytes!("shop/contact/index.html"),
    ),
    ("/faq/index.html", include_bytes!("shop/faq/index.html")),
    ("/index.html", include_bytes!("shop/index.html")),
    (
        "/livraison/index.html",
        include_bytes!("shop/livraison/index.html"),
    ),
    (
        "/mentions-legales/index.html",
        include_bytes!("shop/mentions-legales/index.html"),
    ),
    (
        "/panier/index.html",
        include_bytes!("shop/panier/index.html"),
    ),
    (
        "/produit/bougie-ambre.html",
        include_bytes!("shop/produit/bougie-ambre.html"),
    ),
    (
        "/produit/bougie-cedre.html",
        include_bytes!("shop/produit/bougie-cedre.html"),
    ),
    (
        "/produit/bougie-figue.html",
        include_bytes!("shop/produit/bougie-figue.html"),
    ),
    (
        "/produit/coffret-noel.html",
        include_bytes!("shop/produit/coffret-noel.html"),
    ),
    (
        "/qui-sommes-nous/index.html",
        include_bytes!("shop/qui-sommes-nous/index.html"),
    ),
    (
        "/retours/index.html",
        include_bytes!("shop/retours/index.html"),
    ),
    ("/robots.txt", include_bytes!("shop/robots.txt")),
    ("/sitemap.xml", include_bytes!("shop/sitemap.xml")),
];

/// Serves the demo shop. `base` (such as `http://127.0.0.1:4321/`) is written into robots.txt and the sitemap.
pub fn responder(base: &str) -> Responder {
    let files = FILES
        .iter()
        .map(|(path, body)| {
            let body = if path.ends_with(".xml") || path.ends_with(".txt") {
                Bytes::from(String::from_utf8_lossy(body).replace("{BASE}", base))
            } else {
                Bytes::from_static(body)
            };
            (
                path.to_string(),
                serve::content_type_for(path).to_string(),
                body,
            )
        })
        .collect();
    let site = serve::static_site(files);
    Arc::new(move |path: &str| match path {
        // An old URL still linked from the menu.
        "/contact.php" => Reply::Redirect {
            status: 301,
            location: "/contact/".into(),
        },
        // A missing trailing slash gets a redirect, as nginx and Apache do.
        "/boutique" | "/faq" | "/contact" | "/cgv" => Reply::Redirect {
            status: 301,
            location: format!("{path}/"),
        },
        _ => site(path),
    })
}

/// Starts the demo shop on 127.0.0.1 (`port` 0 picks a free one).
pub async fn serve(port: u16) -> std::io::Result<serve::Server> {
    serve::start(port, |base| responder(base)).await
}
