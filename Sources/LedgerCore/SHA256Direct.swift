#if canImport(CCryptoBoringSSL)
// BoringSSL's C module, the SHA-256 that swift-crypto itself wraps on Linux (a dependency of `Crypto`, not a
// new one). On Apple platforms swift-crypto uses CryptoKit and has no such module: see the end of the file.
internal import CCryptoBoringSSL

/// SHA-256 for the hashes verification computes millions of times: leaf and node hashes.
///
/// It calls the BoringSSL code that `Crypto.SHA256` runs (the same SHA extensions where the CPU has them),
/// with its state on the stack: `Crypto.SHA256` keeps its state in an object, one heap allocation and a few
/// runtime checks per hash, which on a 1M-entry chain-only verification cost more than a tenth of the
/// CPU time. Tests compare the two on every length from 0 to 300 bytes and on real entries.
enum SHA256Direct {
    /// SHA-256 of `data`.
    static func hash(_ data: UnsafeRawBufferPointer) -> Hash {
        var out = Hash.zero
        out.withUnsafeMutableBytes { digest in
            _ = CCryptoBoringSSL_SHA256(data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count,
                                        digest.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return out
    }

    /// SHA-256 of `prefix || data`, without copying `data`.
    static func hash(prefix: UInt8, _ data: UnsafeRawBufferPointer) -> Hash {
        var ctx = SHA256_CTX()
        CCryptoBoringSSL_SHA256_Init(&ctx)
        var first = prefix
        CCryptoBoringSSL_SHA256_Update(&ctx, &first, 1)
        if let base = data.baseAddress { CCryptoBoringSSL_SHA256_Update(&ctx, base, data.count) }
        var out = Hash.zero
        out.withUnsafeMutableBytes { digest in
            _ = CCryptoBoringSSL_SHA256_Final(digest.baseAddress!.assumingMemoryBound(to: UInt8.self), &ctx)
        }
        return out
    }

    /// SHA-256 of `prefix || left || right` (an RFC 9162 interior node when `prefix` is 0x01).
    static func hash(prefix: UInt8, _ left: Hash, _ right: Hash) -> Hash {
        // The 65 bytes side by side on the stack, hashed in one call.
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { input in
            input[0] = prefix
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: input[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: input[33..<65]).copyMemory(from: $0) }
            return hash(UnsafeRawBufferPointer(input))
        }
    }
}
#else
import Crypto

/// SHA-256 for leaf and node hashes, through `Crypto.SHA256` (CryptoKit) where BoringSSL is not built.
enum SHA256Direct {
    static func hash(_ data: UnsafeRawBufferPointer) -> Hash { Hash(SHA256.hash(data: data)) }

    static func hash(prefix: UInt8, _ data: UnsafeRawBufferPointer) -> Hash {
        var h = SHA256()
        withUnsafeBytes(of: prefix) { h.update(bufferPointer: $0) }
        h.update(bufferPointer: data)
        return Hash(h.finalize())
    }

    static func hash(prefix: UInt8, _ left: Hash, _ right: Hash) -> Hash {
        var h = SHA256()
        withUnsafeBytes(of: prefix) { h.update(bufferPointer: $0) }
        left.withUnsafeBytes { h.update(bufferPointer: $0) }
        right.withUnsafeBytes { h.update(bufferPointer: $0) }
        return Hash(h.finalize())
    }
}
#endif
