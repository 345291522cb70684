#pragma once
// What a server_config holds: BearSSL's views of the chain and key, and the storage they point at.

#include <bearssl.h>

#include <vector>

#include "wasio/tls/server_config.hpp"

namespace wasio::tls {

struct server_config::state {
  ~state();
  settings options;
  counters stats;
  // Lifetime: chain[i] points into chain_der[i]; the keys point into key_parts. None of these
  // vectors changes after from_pem, so the pointers stay valid for the config's life.
  std::vector<std::vector<unsigned char>> chain_der;
  std::vector<br_x509_certificate> chain;
  std::vector<std::vector<unsigned char>> key_parts;
  int key_type = 0;          // BR_KEYTYPE_EC or BR_KEYTYPE_RSA
  int issuer_key_type = 0;   // the key type of the leaf's signer
  br_ec_private_key ec_key{};
  br_rsa_private_key rsa_key{};
  std::vector<const char*> alpn_names;  // Lifetime: point into options.protocols
  std::vector<unsigned char> cache_store;
  br_ssl_session_cache_lru cache{};
};

}  // namespace wasio::tls
