# SPDX-License-Identifier: MIT
"""A test case base whose tests share one `wscore serve --plain` (the echo) on a free port:
`self.url` is its ws:// URL. Set server_test.WSCORE before the tests run."""
import unittest

from server_test import Server


class EchoServerTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.url = cls.server.url + "/"

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()
