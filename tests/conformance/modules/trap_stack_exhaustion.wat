;; Unbounded recursion through call_indirect (the C compiler cannot turn it into a loop).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (type $recurse_t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $recurse)
  (func $recurse (type $recurse_t) (param $depth i32) (result i32)
    (i32.add
      (call_indirect (type $recurse_t) (i32.add (local.get $depth) (i32.const 1)) (i32.load (i32.const 0)))
      (i32.const 1)))
  (func (export "_start")
    (call $proc_exit (call $recurse (i32.const 0)))))
