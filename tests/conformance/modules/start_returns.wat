;; _start returns normally: exit status 0.
(module (memory (export "memory") 1) (func (export "_start")))
