;; Divides by a zero read from memory, so no compiler can fold it away.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.div_u (i32.const 7) (i32.load (i32.const 0))))))
