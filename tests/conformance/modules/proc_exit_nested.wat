;; proc_exit from a nested call: the exit status is the code, and nothing after it runs.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $leave (param $code i32) (call $proc_exit (local.get $code)) unreachable)
  (func (export "_start") (call $leave (i32.const 42)) unreachable))
