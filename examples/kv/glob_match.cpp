// A bounds-checked port of Redis's stringmatchlen (util.c), with its nesting limit.
#include "glob_match.hpp"

#include <cstddef>
#include <utility>

namespace kv {
namespace {

constexpr int max_nesting = 1000;

struct matcher {
  std::string_view pattern;
  std::string_view text;
  bool skip_longer = false;

  // Past the end reads as NUL, as the C original sees its terminator.
  unsigned char p(std::size_t i) const { return i < pattern.size() ? static_cast<unsigned char>(pattern[i]) : 0; }
  unsigned char s(std::size_t i) const { return i < text.size() ? static_cast<unsigned char>(text[i]) : 0; }

  bool match(std::size_t pi, std::size_t si, int nesting) {
    if (nesting > max_nesting) {
      skip_longer = true;  // give up on the whole match, not just this branch
      return false;
    }
    while (pi < pattern.size() && si < text.size()) {
      switch (p(pi)) {
        case '*': {
          while (pi + 1 < pattern.size() && p(pi + 1) == '*') ++pi;
          if (pi + 1 == pattern.size()) return true;
          while (si < text.size()) {
            if (match(pi + 1, si, nesting + 1)) return true;
            if (skip_longer) return false;
            ++si;
          }
          // Nothing after this star matches anywhere in the rest of the text, so no earlier star
          // can help by swallowing more: stop trying (Redis's skipLongerMatches).
          skip_longer = true;
          return false;
        }
        case '?':
          ++si;
          break;
        case '[': {
          ++pi;
          const bool negate = p(pi) == '^';
          if (negate) ++pi;
          bool found = false;
          for (;;) {
            if (p(pi) == '\\' && pattern.size() - pi >= 2) {
              ++pi;
              if (p(pi) == s(si)) found = true;
            } else if (p(pi) == ']') {
              break;
            } else if (pi >= pattern.size()) {
              --pi;  // an unterminated set: the loop below steps past its last byte
              break;
            } else if (pattern.size() - pi >= 3 && p(pi + 1) == '-') {
              // Redis compares range ends as `char`, signed on the hosts it runs on: a byte >= 0x80
              // sorts below 'a', so [\x80-z] covers 0x80..0xff and NUL..'z', and [a-\xff] is read as [\xff-a].
              int start = static_cast<signed char>(p(pi)), end = static_cast<signed char>(p(pi + 2));
              if (start > end) std::swap(start, end);
              pi += 2;
              const int c = static_cast<signed char>(s(si));
              if (c >= start && c <= end) found = true;
            } else if (p(pi) == s(si)) {
              found = true;
            }
            ++pi;
          }
          if (negate) found = !found;
          if (!found) return false;
          ++si;
          break;
        }
        case '\\':
          if (pattern.size() - pi >= 2) ++pi;
          [[fallthrough]];
        default:
          if (p(pi) != s(si)) return false;
          ++si;
          break;
      }
      ++pi;
      if (si == text.size()) {
        while (pi < pattern.size() && p(pi) == '*') ++pi;
        break;
      }
    }
    return pi >= pattern.size() && si == text.size();
  }
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  matcher m{pattern, text};
  return m.match(0, 0, 0);
}

}  // namespace kv
