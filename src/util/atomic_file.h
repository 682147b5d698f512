// Atomic file writes: write to a temporary beside the target, then rename.
// A crash or an error never leaves a half-written target behind.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <string_view>

namespace movierec {

// Calls write(stream) on a temporary file next to `target`, flushes, and
// renames it over `target`. On any exception the temporary is removed and the
// exception propagates (the target is untouched). Throws IoError on I/O failure.
void write_file_atomically(const std::filesystem::path& target,
                           const std::function<void(std::ostream&)>& write);
void write_file_atomically(const std::filesystem::path& target, std::string_view contents);

// A unique temporary path next to target ("target.tmp.<pid>.<n>").
std::filesystem::path temp_path_for(const std::filesystem::path& target);

// Reads a whole file (IoError naming it when it cannot).
std::string read_file(const std::filesystem::path& file);

}  // namespace movierec
