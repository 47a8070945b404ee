// A small character-level corpus for language-model smoke training (the ZAYA1 tiny run), written for
// tessera and dedicated to the public domain (CC0). About 3 KB of plain English prose (39 distinct characters).
export const TINY_CORPUS = `The lighthouse keeper rose before the sun, as he had done for thirty years. He climbed the spiral stair,
one hundred and twelve steps, and at the top he wiped the great lens with a soft cloth until it shone.
Below him the sea was grey and quiet, and the gulls were still asleep on the rocks.

He kept a small notebook in the pocket of his coat. In it he wrote the weather, the ships that passed,
and the names of the birds he saw. On calm days the entries were short: wind from the west, two ships,
one heron. On stormy days he wrote more, because the storm gave him more to watch and less to do.

The village lay two miles along the coast. Once a week a boy came from the village with bread, oil and
letters. The boy liked to ask questions. Why does the light turn? So that a sailor can tell it from a
star. Why is the lens so large? So that a small flame can be seen from far away. Why do you stay here
alone? The keeper thought about that one for a long time, and then he said that he was not alone,
because every ship that passed was company, even if it never stopped.

In the winter the nights were long and the work was hard. Ice formed on the rail of the gallery, and the
keeper had to chip it away with a small hammer. The wind pushed at the tower as if it wanted to come in.
He kept the stove burning and the kettle warm, and he read old books by the light of a lamp. He liked
books about distant places, about deserts and forests and cities with many bridges. He had never seen
any of them, but he did not mind. The sea brought the world to him one ship at a time.

One spring morning a small boat came into the cove with a broken mast. A woman and her daughter were in
it, cold and tired. The keeper gave them tea and dry blankets and helped them mend the mast with a spare
oar and a length of rope. The daughter asked how the light worked, and he showed her the clockwork that
turned the lens, the weights that fell slowly through the centre of the tower, and the brass handle he
wound every four hours. She counted the teeth on the largest gear and told him there were ninety six.
He had never counted them. He wrote the number in his notebook.

When the boat left, the keeper stood on the rocks and watched until it was a small white mark on the
blue water. Then he went back up the stair, one hundred and twelve steps, and wiped the lens again,
although it did not need it. That night the light turned as it always did, and far out at sea a sailor
saw it, counted the flashes, and knew exactly where he was.

Years later the light was changed to run by itself, and the keeper moved to a house in the village. He
kept his notebook, and he still wrote the weather every morning. The boy who had carried the bread was
now a man with children of his own, and on Sundays the children came to hear stories about storms and
ships and the girl who counted the teeth of the gear. The keeper told the stories slowly, and when he
did not remember a detail, he looked it up in the notebook, because he had written everything down.
`;

/** The sorted distinct characters of `text` and the text as ids into them. */
export function characterVocabulary(text: string): { chars: string[]; ids: Int32Array } {
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  return { chars, ids: Int32Array.from(text, (c) => index.get(c)!) };
}
