// A retrieved passage as the answer path numbers it: [n] in an answer refers to it.
export interface Passage {
  n: number;
  title: string;
  url: string;
  text: string;
}
