;; The line-skeleton kernel of `skeleton.ts`, in WebAssembly with 128-bit SIMD: sixteen bytes a step
;; where JavaScript's 32-bit integers give four. `npm run build:wasm` compiles this file into
;; `skeleton-kernel.wasm.ts` (a test checks the two agree).
;;
;; Memory: the caller writes a line's UTF-8 (or a stretch of lines') and asks for the skeleton of the n
;; bytes at `from`, written at `out` (a multiple of 16). Whole 16-byte blocks are read, so 16 bytes past
;; the line must be memory, but they may hold anything (the next line): the last block is masked. The
;; result packs a 30-bit hash with a flag, bit 30: some byte is 0x80 or over (the caller then checks
;; the line for lone surrogates).
(module
  (memory (export "mem") 1)

  ;; The skeleton of bytes [from, from + n) at `out`, and its hash: every digit `0`-`9` becomes `0` (its
  ;; low four bits cleared) but a run's first before an `x` (`$keepHex`), other bytes are kept. The
  ;; skeleton's bytes from n to the end of its last 16-byte block are zero.
  (func (export "skel") (param $from i32) (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $v v128) (local $m v128) (local $h v128) (local $xs v128) (local $hi v128)
    (local.set $h (v128.const i32x4 0x811c9dc5 0x811c9dc5 0x811c9dc5 0x811c9dc5))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (v128.load (i32.add (local.get $from) (local.get $i))))
        ;; The last block, when the line ends inside it: the lanes past its end count as zero.
        (if (i32.lt_u (i32.sub (local.get $n) (local.get $i)) (i32.const 16))
          (then
            (local.set $v
              (v128.and
                (local.get $v)
                (i8x16.gt_u
                  (i8x16.splat (i32.sub (local.get $n) (local.get $i)))
                  (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))))))
        ;; Digits lose their low four bits: `0`-`9` (0x30-0x39) all become `0`.
        (local.set $m
          (v128.andnot
            (local.get $v)
            (v128.and
              (v128.and
                (i8x16.ge_u (local.get $v) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))
                (i8x16.le_u (local.get $v) (v128.const i8x16 57 57 57 57 57 57 57 57 57 57 57 57 57 57 57 57)))
              (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
        (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $m))
        ;; FNV-1a's step on four 32-bit lanes at once (as `$hash`, written out: calling a function per
        ;; block made the raw-line path 0.93x as fast).
        (local.set $h
          (i32x4.mul
            (v128.xor (local.get $h) (local.get $m))
            (v128.const i32x4 0x01000193 0x01000193 0x01000193 0x01000193)))
        (local.set $xs
          (v128.or
            (local.get $xs)
            (i8x16.eq
              (v128.or (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
              (v128.const i8x16 120 120 120 120 120 120 120 120 120 120 120 120 120 120 120 120))))
        (local.set $hi (v128.or (local.get $hi) (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    ;; A line with `0x1f` keeps the `0` (see `keepHex`), and is hashed again when that changed it.
    (if (v128.any_true (local.get $xs))
      (then
        (if (call $keepHex (local.get $from) (local.get $n) (local.get $out))
          (then (local.set $h (call $hash (local.get $n) (local.get $out)))))))
    (i32.or
      (call $finish (local.get $h))
      (i32.shl (i32.ne (i8x16.bitmask (local.get $hi)) (i32.const 0)) (i32.const 30))))

  ;; A run's first digit before an `x` or `X` keeps its value in the skeleton at `out` (`0x1f`: the
  ;; scanner reads hex there), taken from the line's bytes at `from`. Only the blocks with an `x` are read
  ;; byte by byte. Whether anything changed.
  (func $keepHex (param $from i32) (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $bits i32) (local $p i32) (local $kept i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $bits
          (i8x16.bitmask
            (i8x16.eq
              (v128.or
                (v128.load (i32.add (local.get $out) (local.get $i)))
                (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
              (v128.const i8x16 120 120 120 120 120 120 120 120 120 120 120 120 120 120 120 120))))
        (block $block
          (loop $lane
            (br_if $block (i32.eqz (local.get $bits)))
            (local.set $p (i32.add (local.get $i) (i32.ctz (local.get $bits))))
            ;; A digit mark just before, and no digit mark before that (the run is one digit long).
            (if (i32.and
                  (i32.ge_u (local.get $p) (i32.const 1))
                  (i32.eq (i32.load8_u offset=0 (i32.sub (i32.add (local.get $out) (local.get $p)) (i32.const 1))) (i32.const 48)))
              (then
                (if (i32.or
                      (i32.lt_u (local.get $p) (i32.const 2))
                      (i32.ne (i32.load8_u (i32.sub (i32.add (local.get $out) (local.get $p)) (i32.const 2))) (i32.const 48)))
                  (then
                    (i32.store8
                      (i32.sub (i32.add (local.get $out) (local.get $p)) (i32.const 1))
                      (i32.load8_u (i32.sub (i32.add (local.get $from) (local.get $p)) (i32.const 1))))
                    (local.set $kept (i32.const 1))))))
            (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
            (br $lane)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.get $kept))

  ;; The lanes' hash of a skeleton of n bytes at `out`, as `skel`'s loop makes it.
  (func $hash (param $n i32) (param $out i32) (result v128)
    (local $i i32) (local $h v128)
    (local.set $h (v128.const i32x4 0x811c9dc5 0x811c9dc5 0x811c9dc5 0x811c9dc5))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $h
          (i32x4.mul
            (v128.xor (local.get $h) (v128.load (i32.add (local.get $out) (local.get $i))))
            (v128.const i32x4 0x01000193 0x01000193 0x01000193 0x01000193)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.get $h))

  ;; The four lanes folded into one, then murmur3's finish (avalanche), kept to 30 bits.
  (func $finish (param $h v128) (result i32)
    (local $r i32)
    (local.set $r
      (i32.xor
        (i32.xor
          (i32x4.extract_lane 0 (local.get $h))
          (i32.mul (i32x4.extract_lane 1 (local.get $h)) (i32.const 0x85ebca6b)))
        (i32.xor
          (i32.mul (i32x4.extract_lane 2 (local.get $h)) (i32.const 0xc2b2ae35))
          (i32.rotl (i32x4.extract_lane 3 (local.get $h)) (i32.const 13)))))
    (local.set $r (i32.xor (local.get $r) (i32.shr_u (local.get $r) (i32.const 16))))
    (local.set $r (i32.mul (local.get $r) (i32.const 0x85ebca6b)))
    (local.set $r (i32.xor (local.get $r) (i32.shr_u (local.get $r) (i32.const 13))))
    (local.set $r (i32.mul (local.get $r) (i32.const 0xc2b2ae35)))
    (i32.and (i32.xor (local.get $r) (i32.shr_u (local.get $r) (i32.const 16))) (i32.const 0x3fffffff)))
)
