// Title search as a person expects it: case- and accent-insensitive ("leon"
// finds "Léon"), year optional ("heat", "heat 1995", "Heat (1995)"), leading
// articles either way ("the matrix" finds "Matrix, The (1999)"). Ranked: exact
// title, then title prefix, then every word found; popularity within a tier.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "movierec/dataset.h"

namespace movierec::serve {

// Lower case, accents folded (Latin-1 supplement and Latin Extended-A letters),
// punctuation as spaces, blanks collapsed: "Léon: The Professional" ->
// "leon the professional".
std::string normalize_title(std::string_view s);

class TitleIndex {
 public:
  TitleIndex() = default;
  explicit TitleIndex(const Dataset& ds);
  // At most limit movies matching q, best first; empty for a blank query.
  std::vector<ItemIndex> search(std::string_view q, std::size_t limit) const;

 private:
  struct Entry {
    std::string name;   // normalised title without year, article in front
    std::string words;  // " " + name + " ", for word-prefix tests
    int year = 0;
    std::size_t ratings = 0;
  };
  std::vector<Entry> entries_;  // by ItemIndex
};

}  // namespace movierec::serve
