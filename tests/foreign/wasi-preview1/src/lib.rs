//! The WASI preview1 items mio 0.8's wasi selector uses, with the names and shapes of the `wasi`
//! 0.11 crate: poll_oneoff and the subscription and event layouts (witx, wasm32, little-endian).
#![no_std]
#![allow(non_camel_case_types)]

use core::fmt;

pub type Size = usize;
pub type Fd = u32;
pub type Userdata = u64;
pub type Timestamp = u64;
pub type Filesize = u64;
pub type Clockid = u32;
pub type Subclockflags = u16;
pub type Eventrwflags = u16;

pub const CLOCKID_REALTIME: Clockid = 0;
pub const CLOCKID_MONOTONIC: Clockid = 1;
pub const SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME: Subclockflags = 1;
pub const EVENTRWFLAGS_FD_READWRITE_HANGUP: Eventrwflags = 1;

/// An errno value (0 is success).
#[repr(transparent)]
#[derive(Copy, Clone, Eq, PartialEq, Ord, PartialOrd, Hash)]
pub struct Errno(u16);

impl Errno {
    pub const fn raw(&self) -> u16 {
        self.0
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Errno").field("code", &self.0).finish()
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "errno {}", self.0)
    }
}

pub const ERRNO_SUCCESS: Errno = Errno(0);

/// The type of a subscription and of its event.
#[repr(transparent)]
#[derive(Copy, Clone, Eq, PartialEq, Ord, PartialOrd, Hash)]
pub struct Eventtype(u8);

impl Eventtype {
    pub const fn raw(&self) -> u8 {
        self.0
    }
}

impl fmt::Debug for Eventtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            0 => "CLOCK",
            1 => "FD_READ",
            2 => "FD_WRITE",
            _ => "UNKNOWN",
        };
        f.debug_struct("Eventtype").field("code", &self.0).field("name", &name).finish()
    }
}

pub const EVENTTYPE_CLOCK: Eventtype = Eventtype(0);
pub const EVENTTYPE_FD_READ: Eventtype = Eventtype(1);
pub const EVENTTYPE_FD_WRITE: Eventtype = Eventtype(2);

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct SubscriptionClock {
    pub id: Clockid,
    pub timeout: Timestamp,
    pub precision: Timestamp,
    pub flags: Subclockflags,
}

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct SubscriptionFdReadwrite {
    pub file_descriptor: Fd,
}

#[repr(C)]
#[derive(Copy, Clone)]
pub union SubscriptionUU {
    pub clock: SubscriptionClock,
    pub fd_read: SubscriptionFdReadwrite,
    pub fd_write: SubscriptionFdReadwrite,
}

#[repr(C)]
#[derive(Copy, Clone)]
pub struct SubscriptionU {
    pub tag: u8,
    pub u: SubscriptionUU,
}

#[repr(C)]
#[derive(Copy, Clone)]
pub struct Subscription {
    pub userdata: Userdata,
    pub u: SubscriptionU,
}

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct EventFdReadwrite {
    pub nbytes: Filesize,
    pub flags: Eventrwflags,
}

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct Event {
    pub userdata: Userdata,
    pub error: Errno,
    pub type_: Eventtype,
    pub fd_readwrite: EventFdReadwrite,
}

// Pinned layouts (HOST-SEMANTICS.md 1): a wrong offset would corrupt every poll.
const _: () = assert!(core::mem::size_of::<Subscription>() == 48);
const _: () = assert!(core::mem::size_of::<Event>() == 32);
const _: () = assert!(core::mem::size_of::<SubscriptionClock>() == 32);

mod raw {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        pub fn poll_oneoff(in_: i32, out: i32, nsubscriptions: i32, nevents: i32) -> i32;
    }
}

/// Concurrently polls for the occurrence of a set of events.
///
/// # Safety
/// `in_` points to `nsubscriptions` subscriptions and `out` to room for as many events.
pub unsafe fn poll_oneoff(in_: *const Subscription, out: *mut Event, nsubscriptions: Size) -> Result<Size, Errno> {
    let mut nevents = core::mem::MaybeUninit::<Size>::uninit();
    let ret = raw::poll_oneoff(in_ as i32, out as i32, nsubscriptions as i32, nevents.as_mut_ptr() as i32);
    match ret {
        0 => Ok(nevents.assume_init()),
        _ => Err(Errno(ret as u16)),
    }
}
