# Every dependency is a Debian package installed by deploy/local/install-deps.sh.
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Boost REQUIRED COMPONENTS system)
find_package(cpprestsdk CONFIG REQUIRED)
find_package(nlohmann_json 3.10 CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(libzip CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(Protobuf REQUIRED)
if(FLOP_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()

# cpprestsdk as Debian ships it does not carry its OpenSSL/Boost link dependencies: link them here.
add_library(flop_cpprest INTERFACE)
target_link_libraries(flop_cpprest INTERFACE cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto
                                             Boost::system Threads::Threads)
