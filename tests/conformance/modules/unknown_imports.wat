;; Three imports this host cannot satisfy; the run must be refused listing all of them.
(module
  (import "env" "frobnicate" (func (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
