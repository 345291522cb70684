;; Shared memory needs the threads proposal, which wasm2c 1.0.32 cannot translate.
(module (memory (export "memory") 1 1 shared) (func (export "_start")))
