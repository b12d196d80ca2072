// fl-operator: the controller manager. Placeholder until the runtime lands.
#include <cstdio>
int main() {
  std::puts("fl-operator: controller manager not built yet");
  return 0;
}
