#include "http_date.hpp"

namespace http {
namespace {

// Howard Hinnant's days_from_civil inverse: proleptic Gregorian date of a day count since 1970-01-01,
// without gmtime (whose static buffer and locale are not wanted in a guest).
struct civil_date {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

civil_date civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const unsigned month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

void put_two_digits(char* at, unsigned value) {
  at[0] = static_cast<char>('0' + value / 10);
  at[1] = static_cast<char>('0' + value % 10);
}

}  // namespace

void format_http_date(std::int64_t unix_seconds, std::array<char, 29>& out) {
  static constexpr char weekdays[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday
  static constexpr char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (unix_seconds < 0) unix_seconds = 0;
  const std::int64_t days = unix_seconds / 86400;
  const auto second_of_day = static_cast<unsigned>(unix_seconds % 86400);
  const civil_date date = civil_from_days(days);
  // IMF-fixdate has a four-digit year; the year 10000 is out of its reach, and of this server's.
  const auto year = static_cast<unsigned>(date.year > 9999 ? 9999 : date.year);

  char* at = out.data();
  const char* weekday = weekdays[days % 7];
  at[0] = weekday[0]; at[1] = weekday[1]; at[2] = weekday[2]; at[3] = ','; at[4] = ' ';
  put_two_digits(at + 5, date.day);
  at[7] = ' ';
  const char* month = months[date.month - 1];
  at[8] = month[0]; at[9] = month[1]; at[10] = month[2]; at[11] = ' ';
  put_two_digits(at + 12, year / 100);
  put_two_digits(at + 14, year % 100);
  at[16] = ' ';
  put_two_digits(at + 17, second_of_day / 3600);
  at[19] = ':';
  put_two_digits(at + 20, second_of_day / 60 % 60);
  at[22] = ':';
  put_two_digits(at + 23, second_of_day % 60);
  at[25] = ' '; at[26] = 'G'; at[27] = 'M'; at[28] = 'T';
}

}  // namespace http
