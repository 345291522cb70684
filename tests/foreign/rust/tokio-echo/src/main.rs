//! An echo server on tokio 1 (current_thread runtime, the only one tokio has on wasm32-wasi), as a
//! tokio user writes one: the listener the host pre-opened as fd 3 (wasmtime's `--tcplisten`
//! convention, which wasio-run follows) handed to tokio through Rust std, one task per connection
//! copying its read half into its write half, then closing its side after the peer's FIN.
//!
//! tokio panics when its I/O driver's poll fails ("unexpected error when polling the I/O driver"),
//! which mio makes of any event carrying an error: on a host that reports a reset peer that way
//! (wasmtime's legacy wasi-common, tokio-rs/tokio issue 5238) a client reset ends the server.

use std::os::wasi::io::FromRawFd;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

fn main() {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_io().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tokio-echo: runtime: {error}");
            std::process::exit(1);
        }
    };
    if let Err(error) = runtime.block_on(serve()) {
        eprintln!("tokio-echo: {error}");
        std::process::exit(1);
    }
}

async fn serve() -> std::io::Result<()> {
    // SAFETY: fd 3 is the listener the host pre-opened for this guest, owned by nothing else.
    let std_listener = unsafe { std::net::TcpListener::from_raw_fd(3) };
    std_listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(std_listener)?;
    eprintln!("tokio-echo: serving fd 3");
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(echo(stream));
            }
            // Out of descriptors or a connection aborted in the backlog: the server stays up.
            Err(error) => eprintln!("tokio-echo: accept: {error}"),
        }
    }
}

async fn echo(mut stream: TcpStream) {
    let (mut reader, mut writer) = stream.split();
    // A reset or broken peer just ends this connection.
    if tokio::io::copy(&mut reader, &mut writer).await.is_ok() {
        let _ = writer.shutdown().await;
    }
}
