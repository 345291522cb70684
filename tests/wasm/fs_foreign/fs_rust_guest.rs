// A Rust program on Debian's std for wasm32-wasi (no wasio) that serves the same tiny file protocol
// as fs_c_guest.c on a pre-opened listener, keeping its files in a pre-opened directory through
// std::fs (which finds the pre-open through wasi-libc). Driven by fs_foreign_e2e.py.
//   fs_rust_guest LISTEN_FD DIR
// Accepting: std's TcpListener::accept passes flags 0, which some profiles refuse (uvwasi's gives
// notsup); so the listener is waited on with poll_oneoff and accepted with NONBLOCK through the
// raw imports, and the stream is then std's TcpStream, made blocking.
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::wasi::io::FromRawFd;

#[repr(C, align(8))]
struct Subscription {
    userdata: u64,
    tag: u8,
    pad0: [u8; 7],
    fd: u32,
    pad1: [u8; 28],
}
#[repr(C, align(8))]
struct Event([u8; 32]);

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn sock_accept(fd: u32, flags: u32, accepted: *mut u32) -> u32;
    fn poll_oneoff(subscriptions: *const Subscription, events: *mut Event, count: u32, nevents: *mut u32) -> u32;
}

const ERRNO_AGAIN: u32 = 6;
const FDFLAGS_NONBLOCK: u32 = 4;
const EVENTTYPE_FD_READ: u8 = 1;

fn accept(listener: u32) -> Result<TcpStream, u32> {
    loop {
        let subscription = Subscription { userdata: 1, tag: EVENTTYPE_FD_READ, pad0: [0; 7], fd: listener, pad1: [0; 28] };
        let mut event = Event([0; 32]);
        let mut count = 0u32;
        let e = unsafe { poll_oneoff(&subscription, &mut event, 1, &mut count) };
        if e != 0 {
            return Err(e);
        }
        let mut fd = 0u32;
        match unsafe { sock_accept(listener, FDFLAGS_NONBLOCK, &mut fd) } {
            0 => {
                let stream = unsafe { TcpStream::from_raw_fd(fd as i32) };
                stream.set_nonblocking(false).map_err(|e| e.raw_os_error().unwrap_or(-1) as u32)?;
                return Ok(stream);
            }
            ERRNO_AGAIN => continue,
            e => return Err(e),
        }
    }
}

fn errno(e: std::io::Error) -> String {
    format!("ERR {}\n", e.raw_os_error().unwrap_or(-1))
}

fn handle(dir: &str, line: &str) -> (String, bool) {
    let mut parts = line.splitn(3, ' ');
    let verb = parts.next().unwrap_or("");
    let a = parts.next().unwrap_or("");
    let b = parts.next().unwrap_or("");
    let path = format!("{}/{}", dir, a);
    let done = |r: std::io::Result<()>| match r {
        Ok(()) => "OK\n".to_string(),
        Err(e) => errno(e),
    };
    let reply = match verb {
        "QUIT" => return ("BYE\n".to_string(), true),
        "PUT" => done(std::fs::write(&path, b)),
        "APPEND" => done(
            std::fs::OpenOptions::new().append(true).create(true).open(&path).and_then(|mut f| f.write_all(b.as_bytes())),
        ),
        "GET" => match std::fs::read_to_string(&path) {
            Ok(text) => format!("DATA {}\n", text),
            Err(e) => errno(e),
        },
        "LIST" => match std::fs::read_dir(dir) {
            Ok(entries) => {
                let mut names: Vec<String> =
                    entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
                names.sort();
                format!("LIST {}\n", names.join(","))
            }
            Err(e) => errno(e),
        },
        "MV" => done(std::fs::rename(&path, format!("{}/{}", dir, b))),
        "DEL" => done(std::fs::remove_file(&path)),
        "MKDIR" => done(std::fs::create_dir(&path)),
        "RMDIR" => done(std::fs::remove_dir(&path)),
        _ => "ERR usage\n".to_string(),
    };
    (reply, false)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: fs_rust_guest LISTEN_FD DIR");
        std::process::exit(2);
    }
    let listener: u32 = args[1].parse().expect("LISTEN_FD");
    let dir = &args[2];
    loop {
        let stream = match accept(listener) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("accept: errno {}", e);
                std::process::exit(1);
            }
        };
        // WASI has no dup, so no try_clone: read and write through shared references.
        let mut writer = &stream;
        let reader = BufReader::new(&stream);
        for line in reader.lines() {
            let line = match line {
                Ok(l) => l,
                Err(_) => break,
            };
            let (reply, quit) = handle(dir, &line);
            if writer.write_all(reply.as_bytes()).is_err() {
                break;
            }
            if quit {
                return;
            }
        }
    }
}
