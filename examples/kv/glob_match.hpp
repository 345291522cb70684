#pragma once
/// kv::glob_match: Redis's glob patterns (KEYS, CONFIG GET): `*`, `?`, `[abc]`, `[^a-z]`, `\x`.
///
/// Notes: the same semantics as Redis's stringmatchlen, including its oddities (a `[` set without
/// its `]` runs to the end of the pattern). Deeply nested stars give up as "no match" instead of
/// exhausting the stack, and a failed star match never retries longer prefixes, so a hostile
/// pattern costs O(pattern x key) at worst.
///
/// Example (compiled in tests/e2e/kv/glob_match_test.cpp):
///   kv::glob_match("user:*", "user:42");   // true
///   kv::glob_match("h[^e]llo", "hello");   // false

#include <string_view>

namespace kv {

/// True when `text` matches `pattern` (case-sensitive).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace kv
