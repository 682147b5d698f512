// Zip extraction with libarchive: the central directory must be there and
// every entry is read in full, so each member's CRC-32 is checked (a truncated
// or corrupt zip fails here).
#pragma once

#include <cstddef>
#include <filesystem>

namespace movierec::net {

struct ExtractStats {
  std::size_t files = 0;
  std::uint64_t bytes = 0;
};

// Extracts the zip `archive` into the existing folder `dest`. Refuses absolute
// names, ".." components, links and device entries (a zip must not write
// outside dest). Throws DataError naming the archive (and the entry) when it is
// not a readable zip; IoError when dest cannot be written. On failure dest may
// hold part of the files: extract into a temporary folder.
ExtractStats extract_zip(const std::filesystem::path& archive, const std::filesystem::path& dest);

}  // namespace movierec::net
