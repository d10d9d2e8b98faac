"""A small reading the library tests upload, and the question it answers (no other article does)."""

READING = (
    "# The Quokka Census\n\nBy Mira Tanaka\n\n"
    "Rottnest Island counted twelve thousand quokkas in the spring survey.\n\n"
    "The rangers used thermal cameras at dusk to count the quokkas [1].\n\n"
    "[1] Island Ranger Report, 2023.\n"
)
QUESTION = "How many quokkas did Rottnest Island count?"
