// Zip extraction with libarchive: the central directory must be there and
// every entry is read in full, so each member's CRC-32 is checked (a truncated
// or corrupt zip fails here).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>

namespace movierec::net {

struct ExtractStats {
  std::size_t files = 0;
  std::uint64_t bytes = 0;
  std::size_t skipped = 0;  // entries that keep() refused
};

// Bounds on what a zip may unpack to (zip bombs: 4 MB of zip can hold 3 GiB of
// zeros). Each entry's declared size is checked before it is written, and the
// bytes actually written are counted while writing (a declared size can lie).
struct ExtractLimits {
  std::uint64_t max_bytes = 0;  // total uncompressed bytes; 0: no cap
  double max_ratio = 0;         // total uncompressed / zip file size; 0: no cap
  // Which entries to write (path relative to dest); null: all. The others are skipped.
  std::function<bool(const std::filesystem::path&)> keep;
};

// Extracts the zip `archive` into the existing folder `dest`. Refuses absolute
// names, ".." components, links and device entries (a zip must not write
// outside dest). Throws DataError naming the archive (and the entry) when it is
// not a readable zip; IoError when dest cannot be written. On failure dest may
// hold part of the files: extract into a temporary folder.
// A cap exceeded is a DataError naming the entry and the cap.
ExtractStats extract_zip(const std::filesystem::path& archive, const std::filesystem::path& dest,
                         const ExtractLimits& limits = {});

}  // namespace movierec::net
