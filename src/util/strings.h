// Small string helpers shared by parsers, the CLI and the server.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace movierec {

std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::vector<std::string> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
// Whole-string parses; false on garbage or trailing characters.
bool parse_double(std::string_view s, double& out);
bool parse_float(std::string_view s, float& out);
bool parse_int64(std::string_view s, long long& out);
// Shortest round-trip text of a number ("0.05", "100").
std::string format_number(double x);
// Latin-1 bytes to UTF-8.
std::string latin1_to_utf8(std::string_view s);
// Text from outside (a server, a file) made safe to print on a terminal:
// control characters (C0, DEL, the C1 range in UTF-8 and bytes that are not
// UTF-8) become \xNN escapes, so no escape sequence reaches the screen; at
// most max_bytes of input are kept ("..." marks a cut).
std::string printable(std::string_view s, std::size_t max_bytes = 400);

}  // namespace movierec
