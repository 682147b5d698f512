// MovieLens titles: the year suffix, moved leading articles, and the keys that
// find_movies compares.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace movierec::data {

// The year of a trailing "(1995)", "(1995-2000)", "(2007-)" or "(2006–2007)"
// (spaces after it allowed); 0 when the title has none.
int title_year(std::string_view title);

// The title without that trailing year: "Heat (1995)" -> "Heat".
std::string_view strip_title_year(std::string_view title);

// Lower-case ASCII letters, other ASCII punctuation and spaces folded to one
// space, trimmed; non-ASCII (UTF-8) bytes kept as they are.
std::string normalize_title(std::string_view s);

// The ways a title can be asked for, all normalized, without the year:
// as in the file ("matrix the"), with a moved article put back in front
// ("the matrix"), without the article ("matrix"); for titles with an
// alternative title in parentheses, the same for the main part alone.
std::vector<std::string> title_keys(std::string_view title);

}  // namespace movierec::data
