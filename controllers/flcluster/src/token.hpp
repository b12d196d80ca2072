#pragma once
// The management sidecar's token: generated once, stored in a Secret, read back from it.
#include <string>
#include <string_view>

namespace flop::flcluster::detail {

// 32 random bytes as hex, from the OS entropy source.
std::string generateToken();

}  // namespace flop::flcluster::detail
