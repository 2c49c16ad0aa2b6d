import fc from "fast-check";

/**
 * Objects whose own keys shadow Object.prototype or name fields the code reads ({"toString": []},
 * {"valueOf": 1, "type": "text"}): JSON.parse makes them from any body that has such a key, and
 * String(), template literals, comparisons and obj.hasOwnProperty() throw on them. For the fuzz
 * tests (routes/bad-input, unit/hostile-bodies).
 */
export const shadowingObject = fc.dictionary(
  fc.constantFrom("toString", "valueOf", "hasOwnProperty", "constructor", "__proto__", "toJSON", "length", "type", "text", "id"),
  fc.jsonValue({ maxDepth: 1 }),
  { minKeys: 1, maxKeys: 3 },
);
