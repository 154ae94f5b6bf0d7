"""The dreaming mind: it watches a film and dreams it, one network after another.

build.py      the film, memory and trainer built from a config, every "auto" resolved once;
              what a save holds (MindShape, FORMAT_VERSION)
film.py       what is watched (file, folder, camera, URL); film_ndi.py a live NDI feed
memory.py     the frames watched, a ring buffer on the training device
networks.py   the generator and the discriminator; shape.py the dreams' size
trainer.py    one optimiser step, one network; speed.py and ladder.py how it goes fast
rebirth.py    a diverging network rolled back; drift.py dreams that wander
sealed.py     a dict behind a checksum, written atomically; saves.py the folder of saves

It imports nothing of the poet (engine/poet/), nor the poet of it.
"""
