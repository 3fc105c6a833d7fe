//! `cxaudit demo-serve`: the bundled sample shop on 127.0.0.1, for crawling it with other tools.

use anyhow::Context;

pub async fn run(port: u16) -> anyhow::Result<()> {
    let server = cxaudit::demo::serve(port)
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    println!("demo shop at {} (Ctrl-C to stop)", server.url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
