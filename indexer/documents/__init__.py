"""Documents and their metadata: the ``article`` every source becomes, ``extract`` for each file
format, ``metadata`` found in the text (date, type, unit, numbers), and the gazetteer of units."""
