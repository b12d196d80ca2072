// LeakSanitizer: cpprestsdk keeps TLS connections (and their OpenSSL state) in pools owned by
// its static thread pool, which is never torn down at exit. Those allocations are reported as
// leaks inside the third-party libraries; suppress exactly those libraries, nothing of ours.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libcpprest.so\nleak:libcrypto.so\nleak:libssl.so\n";
}
