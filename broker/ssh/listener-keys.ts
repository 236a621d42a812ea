import ssh2 from 'ssh2';

export interface ListenerKeys {
  /** The listener's host key (OpenSSH private key). */
  hostKey: string;
  /** `ssh-ed25519 AAAA…` of the host key, for the client's known_hosts. */
  hostKeyPublic: string;
  /** The key pair the person's ssh client logs in with (OpenSSH formats). */
  clientPrivateKey: string;
  clientPublicKey: string;
}

/** Fresh ed25519 keys for one listener: its host key and the key its clients log in with. */
export function generateListenerKeys(comment = 'gatehouse'): ListenerKeys {
  const host = readableKeyPair(`${comment} listener host key`);
  const client = readableKeyPair(`${comment} client key`);
  return {
    hostKey: host.private,
    hostKeyPublic: publicKeyLine(host.public),
    clientPrivateKey: client.private,
    clientPublicKey: publicKeyLine(client.public),
  };
}

/** The first two fields of a public key line (type and base64), without the comment. */
export function publicKeyLine(text: string): string {
  return text.trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * ssh2 writes about one ed25519 key in a hundred that it cannot read back itself ("Malformed
 * OpenSSH private key", a key part with a leading zero byte); such a pair is drawn again.
 */
function readableKeyPair(comment: string): { private: string; public: string } {
  for (let attempt = 0; ; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
    if (attempt >= 20) throw new Error('could not generate a readable ed25519 key pair');
  }
}
