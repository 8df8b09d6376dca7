"""Vietnamese text as data: NFC and tone keys, folding, words and sentences, figures, document
numbers, and the keys lexical matching uses."""
