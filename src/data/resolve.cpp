// --data resolution: a folder, or a dataset name fetched into the cache.
#include <unistd.h>

#include <iostream>

#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "net/datasets.h"

namespace movierec {

std::filesystem::path resolve_data(const std::string& folder_or_name) {
  std::error_code ec;
  const std::filesystem::path p(folder_or_name);
  if (std::filesystem::is_directory(p, ec)) return p;
  if (std::filesystem::exists(p, ec))
    throw ConfigError("--data '" + folder_or_name + "' is a file; expected a dataset folder or one of: " +
                      net::known_dataset_names());
  if (net::is_known_dataset(folder_or_name)) {
    const auto cached = net::data_cache_dir() / folder_or_name;
    if (std::filesystem::is_directory(cached, ec)) return cached;
    std::cerr << "fetching " << folder_or_name << " into " << net::data_cache_dir().string() << " (first use)\n";
    net::FetchDataOptions o;
    o.progress = ::isatty(STDERR_FILENO) == 1;
    auto r = net::fetch_dataset(folder_or_name, o);
    std::cerr << "  " << r.checksum_note << "\n";
    return r.dir;
  }
  throw ConfigError("--data '" + folder_or_name + "': no such folder, and not a known dataset name (known: " +
                    net::known_dataset_names() + "; fetched into " + net::data_cache_dir().string() +
                    " on first use)");
}

}  // namespace movierec
