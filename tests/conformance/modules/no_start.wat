;; A reactor-style module without _start.
(module (memory (export "memory") 1) (func (export "run")))
