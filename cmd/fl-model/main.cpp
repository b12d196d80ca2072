// fl-model: the FATE model CLI. Placeholder until the engine lands.
#include <cstdio>
int main() {
  std::puts("fl-model: engine not built yet");
  return 0;
}
