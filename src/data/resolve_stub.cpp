// Placeholder for resolve_data (dataset names, cache, fetching): another
// branch replaces this file. Until then a folder is used as given.
#include "movierec/dataset.h"

namespace movierec {
std::filesystem::path resolve_data(const std::string& folder_or_name) { return folder_or_name; }
}  // namespace movierec
