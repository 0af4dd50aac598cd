// @ts-check
'use strict';

/** @typedef {import('../../../modules/auth/contract').Principal} Principal */

/** Verified principals by token hash, each until its deadline; at capacity the oldest goes. */
class PrincipalCache {
  /** @param {number} maxEntries 0 keeps nothing. */
  constructor(maxEntries) {
    this.maxEntries = maxEntries;
    /** @type {Map<string, { principal: Principal, until: number }>} */
    this.entries = new Map();
  }

  /** @param {string} key */
  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.principal;
    this.entries.delete(key);
    return undefined;
  }

  /**
   * @param {string} key
   * @param {Principal} principal
   * @param {number} until epoch milliseconds
   */
  set(key, principal, until) {
    if (this.maxEntries === 0 || until <= Date.now()) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(/** @type {string} */ (this.entries.keys().next().value));
    this.entries.set(key, { principal, until });
  }

  clear() {
    this.entries.clear();
  }
}

module.exports = { PrincipalCache };
