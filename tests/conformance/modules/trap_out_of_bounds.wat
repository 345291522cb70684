;; Loads far beyond the one-page memory (inside wasm2c's reservation: the signal path).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.load (i32.const 0x7ffffff0)))))
