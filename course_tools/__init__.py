"""The course's tooling: what maintainers and instructors run, never what a lesson's kernel runs.

The main job that executes the notebooks (``python -m course_tools.runner``), their freshness
(``fingerprint``), the export of the networks (``export``), the parameter-server launcher
(``launch``) and the choice and Colab install of MXNet (``install``). Tooling may import the
students' package ``d2l_extras``; nothing in ``d2l_extras`` imports tooling. This file imports
nothing, so that ``scripts/mxnet_variant.py`` can ask for a build before MXNet is installed.
"""
