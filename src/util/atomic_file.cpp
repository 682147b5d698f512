#include "util/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <vector>

#include "movierec/errors.h"

namespace movierec {
namespace {

// fsync of a file or folder by path; false (errno set) when it cannot.
bool sync_path(const std::filesystem::path& p, bool folder) {
  const int fd = ::open(p.c_str(), folder ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

[[noreturn]] void folder_given(const std::filesystem::path& p, std::string_view use) {
  throw InputError(p.string() + " is a folder, not a file; give a file name for " + std::string(use) + " (e.g. " +
                   (p / "model.mrm").string() + ")");
}

}  // namespace

std::filesystem::path temp_path_for(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  auto name = target.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  return target.parent_path() / name;
}

long temp_file_pid(const std::string& name, std::string_view marker) {
  const auto t = name.rfind(marker);
  if (t == std::string::npos) return -1;
  long v = 0;
  std::size_t i = t + marker.size();
  if (i >= name.size() || name[i] < '0' || name[i] > '9') return -1;
  for (; i < name.size() && name[i] != '.' && name[i] != '-'; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    v = v * 10 + (name[i] - '0');
    if (v > 1'000'000'000) return -1;
  }
  return i < name.size() ? v : -1;  // a counter follows the pid
}

bool process_alive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

std::size_t remove_stale_temporaries_of(const std::filesystem::path& target) {
  std::error_code ec;
  const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  const std::string prefix = target.filename().string() + ".tmp.";
  std::vector<std::filesystem::path> stale;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.compare(0, prefix.size(), prefix) != 0) continue;
    const long pid = temp_file_pid(n, ".tmp.");
    if (pid > 0 && pid != ::getpid() && !process_alive(pid) && e.is_regular_file(ec)) stale.push_back(e.path());
  }
  std::size_t removed = 0;
  for (const auto& p : stale) removed += std::filesystem::remove(p, ec);
  return removed;
}

void write_file_atomically(const std::filesystem::path& target, const std::function<void(std::ostream&)>& write) {
  std::error_code ec;
  if (std::filesystem::is_directory(target, ec)) folder_given(target, "the output");
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  // Temporaries of this target left by a killed process (kill -9 of `train`).
  remove_stale_temporaries_of(target);
  auto tmp = temp_path_for(target);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw IoError("cannot write " + tmp.string() + ": " + std::strerror(errno));
      write(out);
      out.flush();
      if (!out) throw IoError("write failed for " + target.string() + " (disk full?)");
    }
    // Data on disk before the rename makes it visible, and the folder entry
    // after: a power loss leaves the old file or the new one, never a torn one.
    if (!sync_path(tmp, false)) throw IoError("cannot sync " + tmp.string() + ": " + std::strerror(errno));
    std::filesystem::rename(tmp, target, ec);
    if (ec) throw IoError("cannot rename " + tmp.string() + " to " + target.string() + ": " + ec.message());
  } catch (...) {
    std::filesystem::remove(tmp, ec);
    throw;
  }
  // Some file systems cannot sync a folder (EINVAL); the rename itself is done.
  const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  if (!sync_path(dir, true) && errno != EINVAL && errno != EBADF)
    throw IoError("cannot sync folder " + dir.string() + ": " + std::strerror(errno));
}

void write_file_atomically(const std::filesystem::path& target, std::string_view contents) {
  write_file_atomically(target, [&](std::ostream& out) { out.write(contents.data(), contents.size()); });
}

std::string read_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto st = std::filesystem::status(file, ec);
  if (std::filesystem::is_directory(st)) throw InputError(file.string() + " is a folder, not a file");
  // /dev/zero would be read until memory runs out.
  if (std::filesystem::is_character_file(st) || std::filesystem::is_block_file(st))
    throw InputError(file.string() + " is a device, not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError("cannot open " + file.string() + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError("cannot read " + file.string() + ": " + std::strerror(errno));
  return ss.str();
}

}  // namespace movierec
