;; Hands the wasm2c imports hostile arguments and checks every errno. Exits 0 when all checks
;; pass, otherwise with the number of the first failed check (wasio-run must never crash).
;; Memory: one page (0x10000 bytes) until check 40 grows it to two.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $sock_shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)

  (func $expect (param $got i32) (param $want i32) (param $check i32)
    (if (i32.ne (local.get $got) (local.get $want)) (then (call $proc_exit (local.get $check)))))

  ;; An iovec {buf, len} at `at`.
  (func $iovec (param $at i32) (param $buf i32) (param $len i32)
    (i32.store (local.get $at) (local.get $buf))
    (i32.store offset=4 (local.get $at) (local.get $len)))

  (func (export "_start")
    ;; errno values: badf 8, fault 21, inval 28.
    ;; fd_write: the iovec array, each iovec, and the result pointer are checked first.
    (call $expect (call $fd_write (i32.const 1) (i32.const 0xfffffff0) (i32.const 1) (i32.const 0x200)) (i32.const 21) (i32.const 1))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 0x20000000) (i32.const 0x200)) (i32.const 21) (i32.const 2))
    (call $iovec (i32.const 0x100) (i32.const 0xffff0000) (i32.const 16))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const 0x200)) (i32.const 21) (i32.const 3))
    (call $iovec (i32.const 0x100) (i32.const 0x1000) (i32.const 0xffffffff))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const 0x200)) (i32.const 21) (i32.const 4))
    (call $iovec (i32.const 0x100) (i32.const 0x1000) (i32.const 0))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const 0xfffd)) (i32.const 21) (i32.const 5))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const 0xfffc)) (i32.const 0) (i32.const 6))
    ;; An iovec array ending exactly at the end of memory is fine; one byte further is not.
    (call $iovec (i32.const 0xfff8) (i32.const 0x1000) (i32.const 0))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0xfff8) (i32.const 1) (i32.const 0x200)) (i32.const 0) (i32.const 7))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0xfff9) (i32.const 1) (i32.const 0x200)) (i32.const 21) (i32.const 8))
    ;; Unknown fd: badf, and the result slot keeps its old bytes.
    (i32.store (i32.const 0x200) (i32.const 0xaaaaaaaa))
    (call $expect (call $fd_write (i32.const 99) (i32.const 0x100) (i32.const 1) (i32.const 0x200)) (i32.const 8) (i32.const 9))
    (call $expect (i32.load (i32.const 0x200)) (i32.const 0xaaaaaaaa) (i32.const 10))
    (call $expect (call $fd_read (i32.const 0) (i32.const 0x100) (i32.const 0x40000000) (i32.const 0x200)) (i32.const 21) (i32.const 11))

    ;; poll_oneoff: in + n*48 and out + n*32 are checked before anything is decoded.
    (call $expect (call $poll_oneoff (i32.const 0x100) (i32.const 0x1000) (i32.const 0x7fffffff) (i32.const 0x200)) (i32.const 21) (i32.const 12))
    (call $expect (call $poll_oneoff (i32.const 0xffe0) (i32.const 0x1000) (i32.const 1) (i32.const 0x200)) (i32.const 21) (i32.const 13))
    (call $expect (call $poll_oneoff (i32.const 0x100) (i32.const 0xfff0) (i32.const 1) (i32.const 0x200)) (i32.const 21) (i32.const 14))
    (call $expect (call $poll_oneoff (i32.const 0x100) (i32.const 0x1000) (i32.const 1) (i32.const 0xffffffff)) (i32.const 21) (i32.const 15))
    (call $expect (call $poll_oneoff (i32.const 0x100) (i32.const 0x1000) (i32.const 0) (i32.const 0x200)) (i32.const 28) (i32.const 16))
    ;; A subscription with tag 7 (no such event type): inval.
    (memory.fill (i32.const 0x100) (i32.const 0) (i32.const 48))
    (i32.store8 (i32.const 0x108) (i32.const 7))
    (call $expect (call $poll_oneoff (i32.const 0x100) (i32.const 0x1000) (i32.const 1) (i32.const 0x200)) (i32.const 28) (i32.const 17))

    ;; Clocks: unknown id is inval, a result pointer past the end a fault.
    (call $expect (call $clock_time_get (i32.const 99) (i64.const 0) (i32.const 0x200)) (i32.const 28) (i32.const 18))
    (call $expect (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 0xfffffffc)) (i32.const 21) (i32.const 19))

    ;; args / environ tables.
    (call $expect (call $args_sizes_get (i32.const 0xffffffff) (i32.const 0x200)) (i32.const 21) (i32.const 20))
    (call $expect (call $args_get (i32.const 0xffff0000) (i32.const 0x400)) (i32.const 21) (i32.const 21))
    (call $expect (call $args_get (i32.const 0x400) (i32.const 0xffffffff)) (i32.const 21) (i32.const 22))
    (call $expect (call $environ_get (i32.const 0x400) (i32.const 0xfffffffe)) (i32.const 21) (i32.const 23))

    ;; random_get: an empty range at the very end is fine, one byte past it is not.
    (call $expect (call $random_get (i32.const 0x10000) (i32.const 0)) (i32.const 0) (i32.const 24))
    (call $expect (call $random_get (i32.const 0xffff) (i32.const 2)) (i32.const 21) (i32.const 25))
    (call $expect (call $random_get (i32.const 0x10) (i32.const 0xffffffff)) (i32.const 21) (i32.const 26))

    ;; Descriptors and sockets.
    (call $expect (call $fd_fdstat_get (i32.const 1) (i32.const 0xfff0)) (i32.const 21) (i32.const 27))
    (call $expect (call $fd_fdstat_get (i32.const 77) (i32.const 0x200)) (i32.const 8) (i32.const 28))
    (call $expect (call $fd_fdstat_set_flags (i32.const 1) (i32.const 0x10000)) (i32.const 28) (i32.const 29))
    (call $expect (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 0x200)) (i32.const 8) (i32.const 30))
    (call $expect (call $sock_accept (i32.const 3) (i32.const 0x10000) (i32.const 0x200)) (i32.const 28) (i32.const 31))
    (call $expect (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 0xfffffffd)) (i32.const 21) (i32.const 32))
    (call $iovec (i32.const 0x100) (i32.const 0x1000) (i32.const 16))
    (call $expect (call $sock_recv (i32.const 99) (i32.const 0x100) (i32.const 1) (i32.const 0) (i32.const 0x200) (i32.const 0x204)) (i32.const 8) (i32.const 33))
    (call $expect (call $sock_recv (i32.const 99) (i32.const 0x100) (i32.const 1) (i32.const 0) (i32.const 0x200) (i32.const 0xffff)) (i32.const 21) (i32.const 34))
    (call $expect (call $sock_send (i32.const 99) (i32.const 0xfffffff8) (i32.const 2) (i32.const 0) (i32.const 0x200)) (i32.const 21) (i32.const 35))
    (call $expect (call $sock_shutdown (i32.const 99) (i32.const 1)) (i32.const 8) (i32.const 36))
    (call $expect (call $fd_close (i32.const 99)) (i32.const 8) (i32.const 37))
    (call $expect (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 7) (i32.const 0x200)) (i32.const 28) (i32.const 38))
    (call $expect (call $path_open (i32.const 3) (i32.const 0) (i32.const 0xfffffff0) (i32.const 32)
                                  (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0x200)) (i32.const 21) (i32.const 39))

    ;; memory.grow: the imports must see the new size (no cached bounds).
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const 0x1fffc)) (i32.const 21) (i32.const 40))
    (call $expect (memory.grow (i32.const 1)) (i32.const 1) (i32.const 41))
    (call $iovec (i32.const 0x100) (i32.const 0x1fff0) (i32.const 0))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const 0x1fffc)) (i32.const 0) (i32.const 42))
    (call $expect (call $fd_prestat_get (i32.const 3) (i32.const 0x1fffc)) (i32.const 21) (i32.const 43))))
