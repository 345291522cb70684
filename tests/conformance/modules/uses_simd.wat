;; A v128 local: wasm2c 1.0.32 aborts on SIMD; wasio-run must name the feature instead.
(module (memory (export "memory") 1)
  (func (export "_start") (local v128) (local.set 0 (i32x4.splat (i32.const 1)))))
