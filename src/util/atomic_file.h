// Atomic file writes: write to a temporary beside the target, then rename.
// A crash or an error never leaves a half-written target behind.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>

namespace movierec {

// Calls write(stream) on a temporary file next to `target`, flushes, fsyncs it,
// renames it over `target` and fsyncs the folder (so a power loss leaves the old
// or the new file). On any exception the temporary is removed and the exception
// propagates (the target is untouched). Temporaries of the same target left by
// killed processes are removed first. Throws InputError when target is a
// folder, IoError on I/O failure.
void write_file_atomically(const std::filesystem::path& target, const std::function<void(std::ostream&)>& write);
void write_file_atomically(const std::filesystem::path& target, std::string_view contents);

// A unique temporary path next to target ("target.tmp.<pid>.<n>").
std::filesystem::path temp_path_for(const std::filesystem::path& target);

// Reads a whole file (InputError naming it when it is missing, unreadable or a folder).
std::string read_file(const std::filesystem::path& file);

// The pid in a temporary's name ("x.tmp.<pid>.<n>" with marker ".tmp."), -1 if none.
long temp_file_pid(const std::string& name, std::string_view marker);
// Whether a process with this pid runs (EPERM: it runs as another user).
bool process_alive(long pid);
// Removes "<target>.tmp.<pid>.<n>" files of processes that no longer run; how many.
std::size_t remove_stale_temporaries_of(const std::filesystem::path& target);

}  // namespace movierec
