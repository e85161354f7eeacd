"""Amending decrees: the changes they make to earlier plans, and the plan in force.

`read` finds the changes an amending decree's text makes («пункт 2.3 изложить в следующей
редакции», «дополнить пунктом 3.9», «пункты 3.5–3.7 признать утратившими силу», «в графе
«Срок» пункта 1.4 слова «…» заменить словами «…»») in an extractor's blocks, whatever the
format; `records` turns them into `amendments` rows; `apply` applies every amendment of the
dataset to the plans it names, in act-date order, and says which it could not apply.
"""
