// Error types thrown by the movierec library. The CLI and the HTTP server catch
// them once and map them to an exit code or an HTTP status.
#pragma once

#include <stdexcept>
#include <string>

namespace movierec {

// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input data: the message names file, line and field ("ratings.csv:1043:
// field 'rating': expected a number in [0.5, 5], got \"five\"").
class DataError : public Error {
 public:
  using Error::Error;
};

// Bad configuration: unknown model, bad parameter, inconsistent options.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// The model does not implement the requested operation.
class NotSupported : public Error {
 public:
  using Error::Error;
};

// I/O failure: a file cannot be opened, written, renamed; a download failed.
class IoError : public Error {
 public:
  using Error::Error;
};

// An input the caller named (a file, a folder) is missing, unreadable or of
// the wrong kind (a folder where a file belongs): bad input, though raised as
// an I/O error (the CLI exits 2 for it, 1 for other IoErrors).
class InputError : public IoError {
 public:
  using IoError::IoError;
};

}  // namespace movierec
