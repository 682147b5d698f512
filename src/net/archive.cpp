#include "net/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "movierec/errors.h"
#include "net/http.h"

namespace movierec::net {

namespace {

struct ReaderDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// A safe relative path inside dest, or empty when the name is unsafe.
std::filesystem::path safe_relative(const char* raw) {
  if (!raw || !*raw) return {};
  std::filesystem::path p(raw);
  if (p.is_absolute() || p.has_root_name()) return {};
  std::filesystem::path out;
  for (const auto& part : p) {
    auto s = part.string();
    if (s.empty() || s == ".") continue;
    if (s == "..") return {};
    out /= part;
  }
  return out;
}

}  // namespace

ExtractStats extract_zip(const std::filesystem::path& zip, const std::filesystem::path& dest,
                         const ExtractLimits& limits) {
  std::unique_ptr<archive, ReaderDeleter> a(archive_read_new());
  if (!a) throw IoError("libarchive: out of memory");
  // The seekable reader works from the central directory at the end of the
  // file, so a zip cut anywhere (even just its directory) is refused; the
  // streaming reader would accept the entries before the cut.
  archive_read_support_format_zip_seekable(a.get());
  const std::string name = zip.filename().string();
  auto fail = [&](const std::string& where) -> DataError {
    const char* why = archive_error_string(a.get());
    return DataError(zip.string() + ": " + where + ": " + (why ? why : "unknown libarchive error") +
                     " (not a complete zip archive: truncated or corrupt download)");
  };
  if (archive_read_open_filename(a.get(), zip.c_str(), 1 << 16) != ARCHIVE_OK) throw fail("cannot open as zip");
  ExtractStats st;
  std::uint64_t budget = limits.max_bytes ? limits.max_bytes : UINT64_MAX;
  if (limits.max_ratio > 0) {
    std::error_code ec;
    const auto zip_bytes = std::filesystem::file_size(zip, ec);
    if (!ec) budget = std::min<std::uint64_t>(budget, static_cast<std::uint64_t>(limits.max_ratio * double(zip_bytes)));
  }
  auto over = [&](const std::string& entry, std::uint64_t bytes) {
    return DataError(zip.string() + ": entry '" + entry + "' would unpack the archive to " + std::to_string(bytes) +
                     " bytes or more, above the cap of " + std::to_string(budget) +
                     " bytes for this download (a zip bomb, or not the expected archive); nothing was installed");
  };
  std::vector<char> buf(1 << 16);
  while (true) {
    if (cancel_requested()) throw IoError("interrupted");
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      throw fail("reading the entry after " + std::to_string(st.files) + " files");
    const char* raw = archive_entry_pathname(e);
    std::string entry = raw ? raw : "";
    auto rel = safe_relative(raw);
    if (rel.empty()) {
      if (entry.empty() || entry == "./" || entry == ".") continue;
      throw DataError(zip.string() + ": entry '" + entry + "' points outside the target folder; refusing to extract");
    }
    auto type = archive_entry_filetype(e);
    auto target = dest / rel;
    if (type == AE_IFDIR) {
      std::filesystem::create_directories(target);
      continue;
    }
    if (type != AE_IFREG)
      throw DataError(zip.string() + ": entry '" + entry + "' is not a regular file or folder; refusing to extract");
    if (limits.keep && !limits.keep(rel)) {
      ++st.skipped;
      continue;  // the next header call skips its data
    }
    if (archive_entry_size_is_set(e)) {
      const auto declared = static_cast<std::uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0));
      if (declared > budget - st.bytes) throw over(entry, st.bytes + declared);
    }
    std::filesystem::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("cannot write " + target.string() + ": " + std::strerror(errno));
    while (true) {
      la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) throw fail("entry '" + entry + "'");
      if (static_cast<std::uint64_t>(n) > budget - st.bytes) throw over(entry, st.bytes + n);
      out.write(buf.data(), n);
      st.bytes += static_cast<std::uint64_t>(n);
    }
    out.close();
    if (!out) throw IoError("write failed for " + target.string() + " (disk full?)");
    ++st.files;
  }
  if (st.files == 0) throw DataError(zip.string() + ": the zip archive holds no files");
  return st;
}

}  // namespace movierec::net
