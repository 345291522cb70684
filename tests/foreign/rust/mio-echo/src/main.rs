//! An echo server on mio 0.8, written as mio's own examples are: the listener the host pre-opened
//! as fd 3 (wasmtime's `--tcplisten` convention, which wasio-run follows) handed to mio through Rust
//! std, one level-triggered poll loop, every socket non-blocking. It echoes each connection's bytes
//! back, and after the peer's FIN (a half-close) sends what is left, then closes its side.
//!
//! It stops only when mio's poll fails: mio turns the first event that carries an error into a
//! failed poll ("mio-echo: poll failed: ..." on stderr, exit 1), which is how a host that reports a
//! reset peer as an error event ends it (docs/profiles.md).

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::os::wasi::io::FromRawFd;

const LISTENER: Token = Token(0);
/// How much a connection may hold unsent before it stops reading (the peer must read its echo).
const MAX_PENDING: usize = 256 * 1024;

struct Connection {
    stream: TcpStream,
    pending: Vec<u8>,
    peer_closed: bool,
    interest: Interest,
}

fn main() {
    if let Err(error) = serve() {
        eprintln!("mio-echo: {error}");
        std::process::exit(1);
    }
}

fn serve() -> io::Result<()> {
    // SAFETY: fd 3 is the listener the host pre-opened for this guest, owned by nothing else.
    let std_listener = unsafe { std::net::TcpListener::from_raw_fd(3) };
    std_listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(std_listener);
    let mut poll = Poll::new()?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    eprintln!("mio-echo: serving fd 3");

    let mut events = Events::with_capacity(1024);
    let mut connections: HashMap<Token, Connection> = HashMap::new();
    let mut next_token = 1usize;
    loop {
        if let Err(error) = poll.poll(&mut events, None) {
            if error.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(io::Error::new(error.kind(), format!("poll failed: {error}")));
        }
        for event in events.iter() {
            let token = event.token();
            if token == LISTENER {
                accept_all(&listener, &poll, &mut connections, &mut next_token);
                continue;
            }
            let connection = match connections.get_mut(&token) {
                Some(connection) => connection,
                None => continue,
            };
            let keep = match serve_connection(connection) {
                Ok(keep) => keep,
                Err(_) => false, // a reset or broken peer: drop just this connection
            };
            if !keep {
                let mut connection = connections.remove(&token).expect("present");
                let _ = poll.registry().deregister(&mut connection.stream);
                continue;
            }
            let wanted = wanted_interest(connection);
            if wanted != connection.interest {
                poll.registry().reregister(&mut connection.stream, token, wanted)?;
                connection.interest = wanted;
            }
        }
    }
}

/// Accepts until the listener has nothing pending (level-triggered: it is polled again anyway).
fn accept_all(listener: &TcpListener, poll: &Poll, connections: &mut HashMap<Token, Connection>, next_token: &mut usize) {
    loop {
        match listener.accept() {
            Ok((mut stream, _)) => {
                let token = Token(*next_token);
                *next_token += 1;
                if poll.registry().register(&mut stream, token, Interest::READABLE).is_ok() {
                    connections.insert(token, Connection { stream, pending: Vec::new(), peer_closed: false, interest: Interest::READABLE });
                }
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => return,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => {
                // Out of descriptors or a connection aborted in the backlog: the server stays up.
                eprintln!("mio-echo: accept: {error}");
                return;
            }
        }
    }
}

/// Reads what there is (up to MAX_PENDING unsent) and writes what it can. Ok(false) once the
/// connection is finished: the peer closed its side and every byte went back.
fn serve_connection(connection: &mut Connection) -> io::Result<bool> {
    let mut buffer = [0u8; 16 * 1024];
    while !connection.peer_closed && connection.pending.len() < MAX_PENDING {
        match connection.stream.read(&mut buffer) {
            Ok(0) => connection.peer_closed = true,
            Ok(n) => connection.pending.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
    while !connection.pending.is_empty() {
        match connection.stream.write(&connection.pending) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => {
                connection.pending.drain(..n);
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
    if connection.peer_closed && connection.pending.is_empty() {
        let _ = connection.stream.shutdown(std::net::Shutdown::Write);
        return Ok(false);
    }
    Ok(true)
}

fn wanted_interest(connection: &Connection) -> Interest {
    let reading = !connection.peer_closed && connection.pending.len() < MAX_PENDING;
    match (reading, connection.pending.is_empty()) {
        (true, true) => Interest::READABLE,
        (true, false) => Interest::READABLE | Interest::WRITABLE,
        (false, _) => Interest::WRITABLE,
    }
}
