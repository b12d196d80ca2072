// The runtime's manager as a process with no controllers: what fl-operator is minus its
// reconcilers. Leader-election tests run two of these against one Lease.
#include "flop/manager/run.hpp"

int main(int argc, char** argv) { return flop::manager::runOperator(argc, argv, {}); }
