// Work kept in this browser (IndexedDB), so a reload or a closed tab loses nothing.
// Two stores: "images" (the line art file, written once per drawing) and "work"
// (its hints, method and options, written on every change), both keyed by a hash
// of the file's bytes, so opening the same drawing again brings its hints back.
// localStorage "irodori.current" names the drawing to reopen on the next visit.
// The newest KEEP drawings are kept.

const DB_NAME = "irodori-studio";
const CURRENT = "irodori.current";
const KEEP = 12;

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openDB() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB_NAME, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore("images", { keyPath: "key" });
      r.result.createObjectStore("work", { keyPath: "key" });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.onblocked = () => reject(new Error("the browser's storage is busy in another tab"));
  });
}

// FNV-1a over the bytes, with the size: names a drawing by its content.
export async function drawingKey(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${bytes.length.toString(16)}-${h.toString(16).padStart(8, "0")}`;
}

export class Saver extends EventTarget {
  constructor() {
    super();
    this.db = null;
    this.error = null; // why the last write failed (null when fine)
    this.wanted = 0;   // the newest change asked to be saved
    this.saved = 0;    // the newest change written
    this.imageLost = false; // the current drawing itself could not be stored
  }

  async open() {
    try {
      if (!window.indexedDB) throw new Error("this browser keeps no data for this page");
      this.db = await openDB();
    } catch (e) {
      this.fail(e);
    }
  }

  // Is there work the browser has not stored yet?
  get unsaved() { return this.imageLost || this.saved < this.wanted; }

  fail(e) {
    this.error = e?.message || String(e);
    this.changed();
  }

  changed() { this.dispatchEvent(new Event("change")); }

  tx(names, mode, fn) {
    return new Promise((resolve, reject) => {
      if (!this.db) { reject(new Error(this.error || "no storage")); return; }
      let t;
      try {
        t = this.db.transaction(names, mode);
        fn(t);
      } catch (e) { reject(e); return; }
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error("storage write aborted"));
    });
  }

  // The saved image and work of `key`, or nulls.
  async load(key) {
    if (!this.db || !key) return { image: null, work: null };
    try {
      const t = this.db.transaction(["images", "work"], "readonly");
      const [image, work] = await Promise.all([request(t.objectStore("images").get(key)),
                                               request(t.objectStore("work").get(key))]);
      return { image: image || null, work: work || null };
    } catch (_) {
      return { image: null, work: null };
    }
  }

  currentKey() {
    try { return localStorage.getItem(CURRENT); } catch (_) { return null; }
  }

  forget() {
    try { localStorage.removeItem(CURRENT); } catch (_) { /* private mode */ }
  }

  // Store a newly opened drawing (once) and make it the one to reopen.
  async saveImage(key, image) {
    try { localStorage.setItem(CURRENT, key); } catch (_) { /* private mode */ }
    try {
      await this.tx(["images"], "readwrite", (t) => t.objectStore("images").put({ key, ...image, savedAt: Date.now() }));
      this.imageLost = false;
      this.changed();
    } catch (e) {
      this.imageLost = true;
      this.fail(e);
      return;
    }
    try {
      await this.prune();
    } catch (_) { /* old drawings stay a little longer */ }
  }

  // Store the work on a drawing: version is the caller's change counter.
  async saveWork(key, work, version) {
    this.wanted = Math.max(this.wanted, version);
    this.changed();
    try {
      await this.tx(["work"], "readwrite", (t) => t.objectStore("work").put({ key, ...work, savedAt: Date.now() }));
      this.saved = Math.max(this.saved, version);
      if (!this.imageLost) this.error = null;
      this.changed();
    } catch (e) {
      this.fail(e);
    }
  }

  async prune() {
    const t = this.db.transaction(["images"], "readonly");
    const all = await request(t.objectStore("images").getAll());
    if (all.length <= KEEP) return;
    all.sort((a, b) => b.savedAt - a.savedAt);
    const old = all.slice(KEEP).map((r) => r.key);
    await this.tx(["images", "work"], "readwrite", (tw) => {
      for (const key of old) { tw.objectStore("images").delete(key); tw.objectStore("work").delete(key); }
    });
  }
}
